package billing

// OnCommit is onCommit, for the tests of package billing_test.
var OnCommit = onCommit
