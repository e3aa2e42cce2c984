package cases

// ExportConfig is what court bundles need.
type ExportConfig struct{}
