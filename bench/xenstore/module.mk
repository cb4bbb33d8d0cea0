# xenstore request rate and latency over the dom0 socket (bench/xenstore).
BENCHES += xs_bench
xs_bench_SRCS := bench/xenstore/xs_bench.c
xs_bench_LIBS := xenstore svcore
