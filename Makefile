# Convenience targets; each one is run.sh, which installs dependencies, configures and builds.
.PHONY: demo test sanitize bench clean
demo test sanitize bench:
	./run.sh $@
clean:
	rm -rf build build-sanitize
