#include "Hello.h"
int main() { Hello hi; hi.print(); return 0; }
