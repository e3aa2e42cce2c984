//go:build !amd64

package observe

// stableBlock is stableBlockGo; skipStable does not use it here, where
// reading rune by rune is as quick.
func stableBlock(p *byte) (ascii, lead, kuten uint64) { return stableBlockGo(p) }

// haveStableBlock says whether skipStable reads blocks with stableBlock.
const haveStableBlock = false
