#include <stdlib.h>
int main(int argc, char **argv) {
  return argc == 4 && atoi(argv[1]) + atoi(argv[2]) == atoi(argv[3]) ? 0 : 1;
}
