/*
 * The network options of the command line (-netdev, -nic, -net, -object).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_NET_NET_CLI_H
#define CORE_NET_NET_CLI_H

#include <stdio.h>
#include <cardcage/error.h>

typedef struct Board Board;

typedef struct NetOptions {
    GPtrArray *netdevs;          /* -netdev specs */
    GPtrArray *nics;             /* -nic specs */
    GPtrArray *nets;             /* -net specs */
    GPtrArray *objects;          /* -object specs (filter-dump) */
    bool no_defaults;            /* -nodefaults: no default card */
} NetOptions;

enum { NET_HELP_NETDEV, NET_HELP_NIC, NET_HELP_MODEL };

void net_options_init(NetOptions *no);
void net_options_free(NetOptions *no);
/* Whether one of the options asks for help, and which. */
bool net_options_want_help(const NetOptions *no, int *which);
void net_print_help(FILE *out, int which);
void net_print_nic_models(FILE *out);
/* Create the netdevs, add the cards to the board (the board's default card
 * when the command line names no network of its own), open the dumps. */
bool net_setup(Board *b, const NetOptions *no, Error **errp);

#endif
