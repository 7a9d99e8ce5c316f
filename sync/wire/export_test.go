package wire

// RawPayload decompresses f's payload with c's dictionary, for tests that
// tamper with the record encoding.
func RawPayload(c *Codec, f *Frame) ([]byte, error) {
	return c.dec.DecodeAll(f.Payload, make([]byte, 0, f.DecodedLen))
}
