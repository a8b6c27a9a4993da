#include <stdio.h>
#include "greeting.h"
void greet(const char *who) { printf("hello, %s\n", who); }
