// Command bench measures Rampart's cost per request against a bare
// httputil.ReverseProxy, the way users measure a proxy: each proxy is its
// own process pinned to one core, the load generator (wrk -t1 -c32 with
// keep-alive, or this program's own generator when wrk is missing) and
// the upstream are pinned to the other, and the two proxies take turns
// in interleaved rounds with the same requests. For each scenario it
// prints req/s, p50 and p99 latency, the proxy's CPU time per request
// (utime+stime from /proc/PID/stat) and the ratios to the bare proxy.
// The access log is on, to a file, in every Rampart scenario.
//
// Saturating load says how much each proxy can serve, but its latency is
// mostly queueing behind the connections in flight. So after those rounds
// both proxies are offered the same fixed rate (by default half of the
// slower proxy's saturated rate) in an open loop, and a second table gives
// p50, p99 and p99.9 at that same load, each request counted from when it
// was due.
//
//	go run ./bench                                  # all scenarios, 3 rounds of 5s
//	go run ./bench -scenarios core,full -rounds 5
//	go run ./bench -cpuprofile /tmp/p -memprofile /tmp/p
//	go run ./bench -rampart ./rampart-v1            # another build, same harness
//	go run ./bench -latency-load 0.7                # the same-load rounds at 70% of the slower one's rate
//	go run ./bench inprocess                        # everything in one process, on loopback
//
// The bench upstream and bench load subcommands are the upstream and the
// Go load generator the benchmark starts; they are not meant to be run by
// hand. Needs Linux (taskset, /proc).
package main
