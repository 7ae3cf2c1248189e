// BridStore
