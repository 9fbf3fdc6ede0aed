package host

import "context"

// storeEmpty writes an empty file at abs through a child connection.
func (h *Host) storeEmpty(ctx context.Context, abs string) error {
	dir, name := Split(abs)
	c, err := h.pool.get(ctx, dir)
	if err != nil {
		return err
	}
	wire, err := h.codec.encode(name)
	if err != nil {
		h.pool.put(c, nil)
		return newError(FTPIOError, abs, "%v", err)
	}
	w, err := c.sess.Transfer(ctx, "STOR "+wire, 0)
	if err == nil {
		err = w.Close()
	}
	h.pool.release(c, err)
	if err != nil {
		return wrapError(err, "STOR "+wire, abs)
	}
	return nil
}
