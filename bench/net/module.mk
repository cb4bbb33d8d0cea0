# Networking benchmark (bench/net/run.sh): the small-packet rate tool it runs
# on every path.
BENCHES += udp-pps
udp-pps_SRCS := bench/net/udp_pps.c
udp-pps_LIBS := svcore

# The guest's end of the path alone: TAP against a packet ring (guest_io.sh),
# and both guests' ends joined with nothing between (guest_ends.sh).
BENCHES += guest-io
guest-io_SRCS := bench/net/guest_io.c guest/pktgen_frame.c
guest-io_LIBS := svcore
