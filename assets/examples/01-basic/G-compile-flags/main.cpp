#include <iostream>
int main() {
#ifdef EX3
  std::cout << "EX3 defined" << std::endl;
#endif
  return 0;
}
