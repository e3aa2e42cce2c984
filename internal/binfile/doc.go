// Package binfile reads what a sample file says about itself without running
// it: the headers, sections, imports and exports of PE (PE32 and PE32+), ELF
// and Mach-O executables, pefile-compatible imphash and Rich header hash, the
// overlay past a PE's last section, a PE's resources and version info, its
// Authenticode signature (image hash and signature checked, trust roots never
// consulted), packer hints, and the printable strings of any file.
//
// Every parser takes an io.ReaderAt and a size and treats the file as hostile:
// reads are bounded by the size, lists are capped (Limits), and the standard
// library's debug/pe, debug/elf and debug/macho are called under recover so
// that a malformed file is an error, never a panic.
package binfile
