# Networking benchmark (bench/net/run.sh): the small-packet rate tool it runs
# on every path.
BENCHES += udp-pps
udp-pps_SRCS := bench/net/udp_pps.c
udp-pps_LIBS := svcore
