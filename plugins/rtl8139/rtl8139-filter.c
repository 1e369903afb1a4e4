/*
 * The receive filter (datasheet 6, RCR bits 3:0, and MAR0-7): broadcast
 * frames with AB, frames to our address with APM, any unicast with AAP,
 * multicast with AM when the group's hash bit is set in MAR.  The hash
 * is the top 6 bits of the Ethernet CRC-32 of the destination address
 * (computed MSB-first, as the hardware and the Linux drivers do).
 * query-rx-filter reports the same registers.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "rtl8139.h"

bool rtl_rx_accept(RTL8139State *s, const uint8_t *frame, size_t len)
{
    static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint32_t rcr = rtl_reg32(s, RTL_RCR);
    if (len < 6) {
        return false;
    }
    if (!memcmp(frame, broadcast, 6)) {
        return rcr & RCR_AB;
    }
    if (frame[0] & 1) {
        if (!(rcr & RCR_AM)) {
            return false;
        }
        unsigned bit = net_crc32_be(frame, 6) >> 26;
        return s->regs[RTL_MAR0 + (bit >> 3)] & (1u << (bit & 7));
    }
    if (rcr & RCR_AAP) {
        return true;
    }
    return (rcr & RCR_APM) && !memcmp(frame, s->regs + RTL_IDR0, 6);
}

void rtl_query_rx_filter(NetClient *nc, NetRxFilter *f)
{
    RTL8139State *s = net_client_opaque(nc);
    uint32_t rcr = rtl_reg32(s, RTL_RCR);
    f->promiscuous = rcr & RCR_AAP;
    f->unicast = (rcr & RCR_AAP) ? NET_RX_ALL : (rcr & RCR_APM) ? NET_RX_NORMAL : NET_RX_NONE;
    f->multicast = (rcr & RCR_AM) ? net_rx_hash_mode(s->regs + RTL_MAR0, 8) : NET_RX_NONE;
    f->broadcast_allowed = rcr & RCR_AB;
    f->vlan = NET_RX_ALL;                /* no VLAN filter on this card */
    memcpy(f->main_mac.a, s->regs + RTL_IDR0, 6);
}
