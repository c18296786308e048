package classifier

import (
	"hash/fnv"
	"strings"
)

// heldOutOneIn is the share of examples kept aside for measurement: one in
// five.
const heldOutOneIn = 5

// HeldOut reports whether an example belongs to the held-out split, which
// is never trained on. It is chosen by a stable hash of the text, so the
// split is the same on every run and for every copy of the data, and a
// text repeated in a tenant's file falls on the same side as its twin.
func HeldOut(text string) bool {
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSpace(text)))
	return h.Sum64()%heldOutOneIn == 0
}

// Split separates examples into the training and the held-out part.
func Split(examples []Example) (train, heldOut []Example) {
	for _, e := range examples {
		if HeldOut(e.Text) {
			heldOut = append(heldOut, e)
		} else {
			train = append(train, e)
		}
	}
	return train, heldOut
}
