# Benchmarks (bench/run runs them with their baselines).
BENCHES += hvbench
hvbench_SRCS := bench/hvbench.c
hvbench_LIBS := xenctrl xenevtchn xengnttab svcore

# netif_ring: netfront -> netback over a shared ring in two threads.
BENCHES += netif_ring
netif_ring_SRCS := bench/netif_ring.c
netif_ring_LIBS := svnetfront svnetback svnetif xengnttab svcore
netif_ring_LDLIBS := -lpthread
