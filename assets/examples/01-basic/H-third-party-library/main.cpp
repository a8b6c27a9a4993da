#include <boost/filesystem.hpp>
int main() { return boost::filesystem::exists("/") ? 0 : 1; }
