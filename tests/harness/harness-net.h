/*
 * What the unit tests of network cards share: the netdev "cap" a card
 * under test is given (netdev=cap: a port of a hub), the test's capture
 * client on the hub's other port, which keeps the frames the card sends,
 * RAM for the card's rings and buffers, frames injected from the wire, and
 * the card's query-rx-filter answer.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HARNESS_NET_H
#define HARNESS_NET_H

#include <json-c/json.h>
#include "harness.h"
#include "net/net-internal.h"

/* The frames the card sent since harness_net_reset: the first
 * NET_CAPTURE_MAX of them kept (2 KiB of each), all counted. */
#define NET_CAPTURE_MAX 64
typedef struct NetCapturedFrame {
    size_t len;
    uint8_t data[2048];
} NetCapturedFrame;
extern NetCapturedFrame net_frames[NET_CAPTURE_MAX];
extern int net_nframes;
extern NetClient *net_capture;

/* The hub, "cap" and the capture client; ram_size bytes of RAM at
 * ram_base (none when 0).  Once, in the group setup. */
void harness_net_setup(uint64_t ram_base, uint64_t ram_size);
/* Forget the captured frames and zero the RAM: in each test's setup. */
void harness_net_reset(void);
/* A frame from the wire.  The harness's clock counts like -icount, so the
 * net layer hands it over at its next delivery point, which this reaches. */
void harness_net_inject(const uint8_t *frame, size_t len);
/* An Ethernet II frame of len bytes to dest from 02:00:00:00:00:01, IPv4
 * type, the rest fill bytes; returns len. */
size_t harness_net_make_frame(uint8_t *f, size_t len, const uint8_t *dest, uint8_t fill);
/* The RxFilterInfo query-rx-filter reports for the card named (a device
 * id or a client name); the caller puts it. */
struct json_object *harness_net_rx_filter(const char *name);
/* Its string and bool members. */
const char *harness_json_str(struct json_object *o, const char *key);
bool harness_json_bool(struct json_object *o, const char *key);

#endif
