// BridFormats
