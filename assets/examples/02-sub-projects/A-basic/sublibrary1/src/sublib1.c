#include <stdio.h>
#include "sublib1.h"
void sublib1_print(void) { puts("Hello sub-library 1!"); }
