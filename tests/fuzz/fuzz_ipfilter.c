/*
 * libFuzzer target: IP anti-spoofing (sv/ipfilter.h) on the frames a
 * hostile guest sends.  Input: the vif's "ip" key up to the first newline
 * (ipfilter_init parses it; what does not parse ends the input), one byte
 * choosing how much of the frame is the head netdd copies, then the frame.
 * Frame and head each lie in an allocation of their exact size, so any read
 * past them is an ASan finding.  Checks: a head judged allowed
 * (ipfilter_allows_head) is a frame allowed whole (ipfilter_allows), for
 * whatever the guest put behind it, since the device sends the head netdd
 * checked and reads the rest from the guest's page; a vif without
 * addresses allows everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sv/ipfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x02};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < 512 ? size : 512);
    struct ipfilter f;
    char ips[512];
    uint8_t *frame, *head;
    size_t len, head_len;
    bool whole;

    if (!nl || nl + 2 > data + size)
        return 0;
    memcpy(ips, data, (size_t)(nl - data));
    ips[nl - data] = '\0';
    if (ipfilter_init(&f, ips, mac) < 0)
        return 0;
    len = size - (size_t)(nl + 2 - data);
    head_len = len < nl[1] ? len : nl[1];
    frame = malloc(len ? len : 1);
    head = malloc(head_len ? head_len : 1);
    if (!frame || !head)
        abort();
    memcpy(frame, nl + 2, len);
    memcpy(head, frame, head_len);
    whole = ipfilter_allows(&f, frame, len);
    if ((!f.active && !whole) || (ipfilter_allows_head(&f, head, head_len, len) && !whole))
        abort();
    free(frame);
    free(head);
    return 0;
}
