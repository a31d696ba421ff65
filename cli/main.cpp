// pmctl: the command-line client of pmd.
#include "commands.h"

int main(int argc, char** argv) { return pmd::cli::run_pmctl(argc, argv); }
