# Convenience targets; each one is run.sh, which installs dependencies, configures and builds.
.PHONY: demo test sanitize bench fuzz linux-demo linux-test clean
demo test sanitize bench fuzz linux-demo linux-test:
	./run.sh $@
clean:
	rm -rf build build-sanitize build-fuzz
