/* SPDX-License-Identifier: Apache-2.0 */
/* The pause container's process: sleeps until SIGTERM or SIGINT and exits 0, reaping any
 * zombie it inherits as PID 1. Built static so the image needs nothing but this binary. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static void on_child(int sig)
{
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(void)
{
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    struct sigaction sc = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};
    sigemptyset(&sc.sa_mask);
    (void)sigaction(SIGCHLD, &sc, NULL);
    while (!stop) {
        pause();
    }
    fprintf(stderr, "pause: shutting down\n");
    return 0;
}
