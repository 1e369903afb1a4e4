/*
 * The shared setup of the network cards' unit tests (harness-net.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "harness-net.h"

/* A hub number no board uses: the tests' own segment. */
#define CAPTURE_HUB 9

NetCapturedFrame net_frames[NET_CAPTURE_MAX];
int net_nframes;
NetClient *net_capture;
static MemoryRegion ram;
static uint64_t ram_at, ram_len;

static ssize_t capture_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    if (net_nframes < NET_CAPTURE_MAX) {
        net_frames[net_nframes].len = len;
        memcpy(net_frames[net_nframes].data, buf, MIN(len, sizeof(net_frames[0].data)));
    }
    net_nframes++;
    return (ssize_t)len;
}

static const NetClientInfo capture_info = { .type = "capture", .receive = capture_receive };

void harness_net_setup(uint64_t ram_base, uint64_t ram_size)
{
    Error *err = NULL;
    assert_non_null(net_netdev_add("test", "hubport,id=cap,hubid=9", &err));
    NetClient *port = net_hub_add_port(CAPTURE_HUB, "cap-peer", &err);
    assert_non_null(port);
    net_capture = net_client_new(&capture_info, "capture", "capture", NULL);
    net_capture->peer = port;
    port->peer = net_capture;
    if (ram_size) {
        assert_true(memory_region_init_ram(&ram, NULL, "test-ram", ram_size, &error_abort));
        memory_region_add_subregion(memory_get_system_memory(), ram_base, &ram);
        ram_at = ram_base;
        ram_len = ram_size;
    }
}

void harness_net_reset(void)
{
    net_nframes = 0;
    static const uint8_t zero[0x1000];
    for (uint64_t a = 0; a < ram_len; a += sizeof(zero)) {
        address_space_write(address_space_memory(), ram_at + a, zero, sizeof(zero));
    }
}

void harness_net_inject(const uint8_t *frame, size_t len)
{
    net_client_send(net_capture, frame, len);
    harness_advance_ns(NET_ICOUNT_TICK_NS);
}

size_t harness_net_make_frame(uint8_t *f, size_t len, const uint8_t *dest, uint8_t fill)
{
    memset(f, fill, len);
    memcpy(f, dest, 6);
    memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
    f[12] = 0x08;
    f[13] = 0x00;
    return len;
}

struct json_object *harness_net_rx_filter(const char *name)
{
    Error *err = NULL;
    struct json_object *list = net_query_rx_filter(name, &err);
    assert_null(err);
    assert_int_equal(json_object_array_length(list), 1);
    struct json_object *o = json_object_get(json_object_array_get_idx(list, 0));
    json_object_put(list);
    return o;
}

const char *harness_json_str(struct json_object *o, const char *key)
{
    struct json_object *v = json_object_object_get(o, key);
    assert_non_null(v);
    return json_object_get_string(v);
}

bool harness_json_bool(struct json_object *o, const char *key)
{
    struct json_object *v = json_object_object_get(o, key);
    assert_non_null(v);
    return json_object_get_boolean(v);
}
