"""gmmkit: an autograded course kit for Gaussian mixture models and EM."""
__version__ = "0.1.0"
