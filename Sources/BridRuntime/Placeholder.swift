// BridRuntime
