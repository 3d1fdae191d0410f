// Package cputime reads the CPU time this process has used, for the
// benchmarks that report work per CPU-second: steadier than wall time on
// a shared machine, and it counts the garbage collector's workers and
// any in-process servers too.
package cputime
