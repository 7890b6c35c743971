// Command bench is Rampart's loopback benchmark. It starts an upstream, a
// bare httputil.ReverseProxy in front of it, and Rampart in front of it in
// several configurations, sends the same closed-loop load to each in
// interleaved rounds, and prints requests/s, p50 and p99 latency and each
// configuration's ratio to the bare proxy measured in the same run.
//
//	go run ./bench                         # all scenarios, 3 rounds of 5s
//	go run ./bench -scenarios bare,core -duration 10s -concurrency 64
//
// Everything runs in one process on loopback, so the load generator
// competes with the servers for CPU; the ratios, not the absolute
// figures, are what the benchmark is for.
package main
