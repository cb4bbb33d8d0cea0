# xnic benchmark: pool->pool and pool->wire rates beside a memcpy baseline.
BENCHES += xnic-bench
# "=": XNIC_HOST_SRCS comes from hw/module.mk, read after this file.
xnic-bench_SRCS = bench/xnic/xnic_bench.c $(XNIC_HOST_SRCS)
xnic-bench_LIBS := svxnic svcore
