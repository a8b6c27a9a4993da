#include "sublib1.h"
#include "sublib2.h"
int main(void) { sublib1_print(); return sublib2_answer() == 42 ? 0 : 1; }
