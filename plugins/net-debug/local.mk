# net-debug: a pcap-writing, fault-injecting net interposer.
