// Package fingerprint gives every hash koban keeps of a malware sample —
// MD5, SHA-1, SHA-256, SHA-512, SHA3-384, TLSH and ssdeep — from one pass
// over its bytes, in constant memory whatever its size, with the hashes
// shared between two goroutines. docs/malware-hashing.md has the design
// and the figures (BenchmarkRead200MiB).
package fingerprint
