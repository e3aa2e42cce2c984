// Package zipcrypto writes and reads password-protected ZIP archives, the
// form in which malware samples leave koban: one file per archive,
// encrypted with the password "infected" by the convention every analyst
// and every sandbox knows.
//
// It builds on archive/zip for the container (local headers, central
// directory, ZIP64) and adds the two encryptions in use, following PKWARE's
// APPNOTE and WinZip's AE-x note:
//
//   - traditional PKWARE encryption ("ZipCrypto"), written and read: three
//     32-bit keys stepped by CRC-32 updates, a 12-byte encryption header
//     whose last byte checks the password (the CRC's high byte, or the DOS
//     time's high byte when bit 3 defers the CRC to a data descriptor);
//   - WinZip AES (AE-1 and AE-2, method 99, extra field 0x9901), read
//     only, because 7-Zip users often choose it: PBKDF2-HMAC-SHA1 with
//     1000 iterations, AES in CTR mode with a little-endian counter, a
//     10-byte HMAC-SHA1 over the ciphertext checked at the end, and for
//     AE-1 the CRC as well.
//
// ZipCrypto is weak (known-plaintext attacks recover the keys); it is used
// here for what the convention is for: keeping a sample from being opened
// or scanned by accident, not for secrecy. Write always uses it because
// every unzip tool reads it.
//
// Streaming: Write deflates and encrypts as it reads, with a data
// descriptor after the data, so its memory does not grow with the sample.
// Open decrypts and inflates as the caller reads; nothing holds a whole
// entry.
//
// Errors: a wrong password is ErrPassword, found from the check byte before
// any data is returned. ZipCrypto's check is one byte, so about one wrong
// password in 256 passes it; that password yields garbage whose CRC fails
// at the end: ErrChecksum. A bad CRC or AES HMAC is reported by the Read
// that reaches the end of the entry, so a reader must treat the bytes as
// untrusted until it has read io.EOF. ErrFormat is a malformed archive,
// ErrUnsupported a method or encryption koban does not read.
//
// Zip bombs: Open refuses an entry whose declared size could not have come
// from its compressed size (deflate expands at most 1032 to 1), and the
// reader returned never yields more than the declared size (a stream that
// runs past it fails with ErrFormat). So what an entry can expand to is
// known from Entries before it is opened; the caller caps it there and
// with its own limit on the bytes it reads.
package zipcrypto
