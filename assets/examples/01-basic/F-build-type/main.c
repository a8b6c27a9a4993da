#include <stdio.h>
int main(void) { puts("build type"); return 0; }
