#include "greeting.h"
int main(void) { greet("installer"); return 0; }
