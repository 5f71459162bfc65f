package billing

// OnCommit is onCommit, for the tests of package billing_test.
var OnCommit = onCommit

// RecorderClosed reports whether Close has closed the usage queue.
func (s *Service) RecorderClosed() bool {
	s.rec.mu.RLock()
	defer s.rec.mu.RUnlock()
	return s.rec.closed
}
