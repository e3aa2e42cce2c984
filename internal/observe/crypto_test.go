package observe

import (
	"crypto/sha256"
	"math/big"
	"strings"
	"testing"
)

// Public test vectors: BIP-173 and BIP-350 (segwit), EIP-55 (Ethereum),
// the Bitcoin genesis block's address, the Bitcoin wiki's P2SH example,
// the USDT contract on TRON and the Monero general fund's donation address.
const (
	btcGenesis = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
	btcP2SH    = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
	btcP2WPKH  = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
	btcP2WSH   = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"
	btcP2TR    = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
	trxUSDT    = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
	xmrFund    = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
)

// encodeBase58Check is the test's own encoder: version, payload and the
// double-SHA-256 checksum, in base58.
func encodeBase58Check(version byte, payload []byte) string {
	b := append([]byte{version}, payload...)
	h1 := sha256.Sum256(b)
	h2 := sha256.Sum256(h1[:])
	b = append(b, h2[:4]...)
	n := new(big.Int).SetBytes(b)
	var out []byte
	m := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), m)
		out = append(out, b58Alphabet[m.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// encodeXMR builds a Monero address from a network byte and 64 bytes of
// keys, with the test's own block-wise base58 encoder.
func encodeXMR(tag byte, keys []byte) string {
	b := append([]byte{tag}, keys...)
	b = append(b, keccak256(b)[:4]...)
	sizes := [9]int{0, 2, 3, 5, 6, 7, 9, 10, 11}
	var out strings.Builder
	for len(b) > 0 {
		blk := b[:min(8, len(b))]
		b = b[len(blk):]
		n := new(big.Int).SetBytes(blk)
		enc := make([]byte, sizes[len(blk)])
		m := new(big.Int)
		for k := len(enc) - 1; k >= 0; k-- {
			n.DivMod(n, big.NewInt(58), m)
			enc[k] = b58Alphabet[m.Int64()]
		}
		out.Write(enc)
	}
	return out.String()
}

func TestCryptoNormalize(t *testing.T) {
	seq := func(n int, start byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = start + byte(i)*7
		}
		return b
	}
	trxGen := encodeBase58Check(0x41, seq(20, 3))
	xmrGen := encodeXMR(18, seq(64, 1))
	xmrSub := encodeXMR(42, seq(64, 9))
	cases := []struct {
		name string
		typ  Type
		in   string
		want string // "" means an error is wanted
	}{
		{"btc/genesis p2pkh", BTC, btcGenesis, btcGenesis},
		{"btc/p2sh", BTC, btcP2SH, btcP2SH},
		{"btc/p2pkh generated", BTC, encodeBase58Check(0, seq(20, 50)), encodeBase58Check(0, seq(20, 50))},
		{"btc/bip173 upper case", BTC, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", btcP2WPKH},
		{"btc/bip173 p2wsh", BTC, btcP2WSH, btcP2WSH},
		{"btc/bip350 taproot", BTC, btcP2TR, btcP2TR},
		{"btc/bip350 v1 40 bytes", BTC, "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"},
		{"btc/bip350 v16 2 bytes", BTC, "BC1SW50QGDZ25J", "bc1sw50qgdz25j"},
		{"btc/full-width", BTC, "１Ａ１ｚＰ１ｅＰ５ＱＧｅｆｉ２ＤＭＰＴｆＴＬ５ＳＬｍｖ７ＤｉｖｆＮａ", btcGenesis},
		{"btc/bad checksum", BTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", ""},
		{"btc/case changed", BTC, "1a1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ""},
		{"btc/tron is not btc", BTC, trxUSDT, ""},
		{"btc/p2sh version on a 1", BTC, encodeBase58Check(5, seq(20, 1))[1:], ""},
		{"btc/mixed case bech32", BTC, "bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", ""},
		{"btc/v0 with bech32m checksum", BTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", ""},
		{"btc/v1 with bech32 checksum", BTC, "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", ""},
		{"btc/version 17", BTC, "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", ""},
		{"btc/program of 1 byte", BTC, "bc1pw5dgrnzv", ""},
		{"btc/bech32 typo", BTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", ""},
		{"btc/testnet", BTC, "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", ""},

		{"eth/eip55 1", ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
		{"eth/eip55 2", ETH, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"},
		{"eth/eip55 3", ETH, "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"},
		{"eth/eip55 4", ETH, "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"},
		{"eth/eip55 all caps", ETH, "0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886E0F7030069857D2E4169EE7"},
		{"eth/eip55 all lower", ETH, "0xde709f2102306220921060314715629080e2fb77", "0xde709f2102306220921060314715629080e2fb77"},
		{"eth/lower converted", ETH, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
		{"eth/upper converted", ETH, "0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
		{"eth/wrong checksum", ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", ""},
		{"eth/too short", ETH, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", ""},
		{"eth/no 0x", ETH, "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", ""},
		{"eth/not hex", ETH, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", ""},

		{"trx/usdt contract", TRX, trxUSDT, trxUSDT},
		{"trx/generated", TRX, trxGen, trxGen},
		{"trx/bad checksum", TRX, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", ""},
		{"trx/bitcoin version", TRX, "T" + encodeBase58Check(0, seq(20, 3))[1:], ""},
		{"trx/lower t", TRX, "t" + trxUSDT[1:], ""},

		{"xmr/general fund", XMR, xmrFund, xmrFund},
		{"xmr/generated", XMR, xmrGen, xmrGen},
		{"xmr/subaddress", XMR, xmrSub, xmrSub},
		{"xmr/bad checksum", XMR, xmrFund[:94] + "B", ""},
		{"xmr/testnet tag", XMR, encodeXMR(53, seq(64, 1)), ""},
		{"xmr/short", XMR, xmrFund[:94], ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Normalize(c.typ, c.in)
			if c.want == "" {
				if err == nil {
					t.Fatalf("Normalize(%s, %q) = %q, want an error", c.typ, c.in, got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Normalize(%s, %q) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
			}
		})
	}
	if !strings.HasPrefix(xmrGen, "4") || !strings.HasPrefix(xmrSub, "8") || len(xmrGen) != 95 {
		t.Errorf("generated Monero addresses %q, %q", xmrGen, xmrSub)
	}
}

func TestExtractCrypto(t *testing.T) {
	runExtract(t, []extractCase{
		{"btc/in japanese", "ビットコインアドレス1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNaに送金しました", []Observable{o(BTC, btcGenesis)}},
		{"btc/full-width", "送金先：１Ａ１ｚＰ１ｅＰ５ＱＧｅｆｉ２ＤＭＰＴｆＴＬ５ＳＬｍｖ７ＤｉｖｆＮａ", []Observable{o(BTC, btcGenesis)}},
		{"btc/bech32 upper", "pay to BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4 now", []Observable{o(BTC, btcP2WPKH)}},
		{"btc/taproot", "送金先 " + btcP2TR + " です", []Observable{o(BTC, btcP2TR)}},
		{"btc/bad checksum", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", nil},
		{"btc/glued to underscore", "x_1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", nil},
		{"btc/glued to letters", "x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", nil},
		{"btc/random base58", "1BoatSLRHtKNngkdXEeobR76b53LETtpyZ", nil},
		{"btc/in url", "https://www.blockchain.com/explorer/addresses/btc/" + btcGenesis, []Observable{
			o(URL, "https://www.blockchain.com/explorer/addresses/btc/"+btcGenesis), o(Domain, "www.blockchain.com"), o(BTC, btcGenesis)}},
		{"eth/lower converted", "USDTは0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedへ", []Observable{o(ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")}},
		{"eth/wrong checksum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", nil},
		{"eth/is not sha1", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", []Observable{o(ETH, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")}},
		{"eth/41 hex", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed1", nil},
		{"eth/in etherscan url", "https://etherscan.io/address/0xde709f2102306220921060314715629080e2fb77", []Observable{
			o(URL, "https://etherscan.io/address/0xde709f2102306220921060314715629080e2fb77"), o(Domain, "etherscan.io"),
			o(ETH, "0xde709f2102306220921060314715629080e2fb77")}},
		{"trx", "TRC20のUSDTをTR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tに送るよう指示された", []Observable{o(TRX, trxUSDT)}},
		{"trx/bad checksum", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", nil},
		{"xmr", "Monero: " + xmrFund, []Observable{o(XMR, xmrFund)}},
		{"xmr/one character off", "Monero: " + xmrFund[:50] + "C" + xmrFund[51:], nil},
		{"random words", "Mississippi1234567890abcdefghijkLMNOPqrst and T" + strings.Repeat("a", 33), nil},
	})
}
