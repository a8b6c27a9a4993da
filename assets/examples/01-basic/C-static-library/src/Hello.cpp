#include <iostream>
#include "Hello.h"
void Hello::print() { std::cout << "Hello Headers!" << std::endl; }
