// anonfs-server entry point (placeholder until the reference server lands).
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::puts("usage: anonfs-server serve --data DIR --listen ADDR:PORT");
    return 0;
  }
  std::fputs("anonfs-server: not implemented yet\n", stderr);
  return 2;
}
