#include <stdio.h>
#include "ver.h"
#include "path.h"
int main(void) { printf("%s %s\n", VERSION, PATH); return 0; }
