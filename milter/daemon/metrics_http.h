/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics_http.h - the MetricsSocket endpoint: GET /metrics over HTTP.
 */
#ifndef SPFDKIM_METRICS_HTTP_H
#define SPFDKIM_METRICS_HTTP_H

#include <stddef.h>

/*
 * Listens on spec ("inet:PORT@ADDR", see metrics_parse_socket) with its own
 * thread. 0, or -1 with a reason naming spec in err. Call once.
 */
int metrics_http_start(const char *spec, char *err, size_t errlen);
void metrics_http_stop(void);

#endif
