# xnic benchmark: pool->pool and pool->wire rates beside a memcpy baseline.
BENCHES += xnic-bench
xnic-bench_SRCS := bench/xnic/xnic_bench.c tests/xnic/xnic_host.c
xnic-bench_LIBS := svxnic svcore
