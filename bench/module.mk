# Benchmarks (bench/run runs them with their baselines).
BENCHES += hvbench
hvbench_SRCS := bench/hvbench.c
hvbench_LIBS := xenctrl xenevtchn xengnttab svcore
