// SPDX-License-Identifier: BSD-3-Clause
#include "bench/workers.h"

#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <vector>

#include "bench/anchor.h"

namespace sshotp::bench {

double run_released_workers(int workers, const std::function<void(int)>& body) {
  int gate[2];
  if (pipe(gate) != 0) die("pipe");
  std::vector<pid_t> children;
  for (int w = 0; w < workers; ++w) {
    const pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(gate[1]);
      char byte;
      (void)!read(gate[0], &byte, 1);  // returns when the parent closes the write end
      body(w);
      _exit(0);
    }
    children.push_back(pid);
  }
  close(gate[0]);
  timespec start{};
  timespec end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  close(gate[1]);  // the starting gun
  // A worker that crashed ran fewer calls than the figures would assume: the run is void.
  bool all_finished = true;
  for (pid_t pid : children) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      all_finished = false;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (!all_finished) die("a worker process did not finish its calls");
  return static_cast<double>(end.tv_sec - start.tv_sec) +
         static_cast<double>(end.tv_nsec - start.tv_nsec) / 1e9;
}

}  // namespace sshotp::bench
