package tlsh

// Weights of the distance, as in the reference.
const (
	lengthMult = 12 // per step of the length scale beyond the first
	ratioMult  = 12 // per step of a quartile ratio beyond the first
)

// Distance is the TLSH distance between a and b, the length of their
// inputs included: 0 for equal digests, growing without a fixed bound (a
// few hundred for unrelated files; the paper treats under about 100 as a
// likely match). It fails with ErrNull when either digest is null.
func Distance(a, b Digest) (int, error) { return distance(a, b, true) }

// DistanceNoLength is Distance without the length term, for comparing a
// part of a file with the whole, or files padded to other sizes.
func DistanceNoLength(a, b Digest) (int, error) { return distance(a, b, false) }

func distance(a, b Digest, withLength bool) (int, error) {
	if !a.valid || !b.valid {
		return 0, ErrNull
	}
	diff := 0
	if withLength {
		switch l := modDiff(int(a.lvalue), int(b.lvalue), 256); l {
		case 0, 1:
			diff += l
		default:
			diff += l * lengthMult
		}
	}
	for _, q := range [2]int{modDiff(int(a.q1), int(b.q1), 16), modDiff(int(a.q2), int(b.q2), 16)} {
		if q <= 1 {
			diff += q
		} else {
			diff += (q - 1) * ratioMult
		}
	}
	if a.checksum != b.checksum {
		diff++
	}
	for i := range a.code {
		diff += int(codeDiff[a.code[i]][b.code[i]])
	}
	return diff, nil
}

// modDiff is the distance between x and y on a circle of r points.
func modDiff(x, y, r int) int {
	d := x - y
	if d < 0 {
		d = -d
	}
	return min(d, r-d)
}

// codeDiff[x][y] is the distance between two code bytes: per pair of bits
// (a bucket's quartile), the difference of the quartiles, a difference of
// 3 (lowest against highest) counting 6.
var codeDiff = func() (t [256][256]uint8) {
	for x := range 256 {
		for y := range 256 {
			var d uint8
			for s := 0; s < 8; s += 2 {
				a, b := (x>>s)&3, (y>>s)&3
				switch e := max(a, b) - min(a, b); e {
				case 3:
					d += 6
				default:
					d += uint8(e)
				}
			}
			t[x][y] = d
		}
	}
	return t
}()
