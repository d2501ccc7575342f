"""Stated values of ``mnist_bmm``'s checks: tolerances, and the worked examples written out in
the assignment's own formulas (the comments show the arithmetic)."""
import numpy as np

SMOOTHING = 1.0          # fit_bmm's smoothing, fixed by the assignment

# Tolerances, loose enough for float32 arithmetic and any order of summation.
LOGP_TOL = {"rtol": 1e-5, "atol": 1e-3}      # log-probabilities of whole images
RESP_TOL = {"rtol": 1e-5, "atol": 1e-5}      # responsibilities
PARAM_TOL = {"rtol": 1e-5, "atol": 1e-7}     # pi and mu
MATCH_TOL = {"rtol": 1e-4, "atol": 1e-6}     # how close a wrong answer must be to a known bug
# Replaying the student's own steps: float32 steps inside fit_bmm must still agree.
REPLAY_TOL = {"rtol": 1e-4, "atol": 1e-4}
STEPS_TOL = {"rtol": 1e-4, "atol": 1e-5}     # "your e_step and m_step are right on fit's data"

# bernoulli_log_prob: row 0 under cluster 0 is log(0.5 ** 4) = -2.7726, under cluster 1
# log(0.9 * 0.8 * 0.7 * 0.6) = -1.1961.
LOG_PROB_EXAMPLE = (np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]),
                    np.array([[0.5, 0.5, 0.5, 0.5], [0.9, 0.2, 0.7, 0.6]]),
                    np.log([[0.5 ** 4, 0.9 * 0.8 * 0.7 * 0.6],
                            [0.5 ** 4, 0.1 * 0.8 * 0.3 * 0.4],
                            [0.5 ** 4, 0.9 * 0.2 * 0.7 * 0.6]]))

# m_step worked examples (soft counts R and r.T @ X in the comments).
M_EXAMPLE_1 = (np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]),
               np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]))
#  R = [1.5, 1.5], r.T @ X = [[1.5, 0.5], [0.5, 0.5]], n = 3
M_EXAMPLE_1_VALUES = {
    None: ([0.5, 0.5], [[2.5 / 3.5, 1.5 / 3.5], [1.5 / 3.5, 1.5 / 3.5]]),  # default, 1
    0.0: ([0.5, 0.5], [[1.0, 1 / 3], [1 / 3, 1 / 3]]),
    2.5: ([0.5, 0.5], [[4.0 / 6.5, 3.0 / 6.5], [3.0 / 6.5, 3.0 / 6.5]]),
}
M_EXAMPLE_2 = (np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
               np.array([[0.8, 0.2], [0.4, 0.6], [1.0, 0.0], [0.3, 0.7]]))
#  R = [2.5, 1.5], r.T @ X = [[2.1, 1.5, 0.3], [0.9, 1.5, 0.7]], n = 4
M_EXAMPLE_2_VALUES = {
    1.0: ([2.5 / 4, 1.5 / 4], [[3.1 / 4.5, 2.5 / 4.5, 1.3 / 4.5], [1.9 / 3.5, 2.5 / 3.5, 1.7 / 3.5]]),
    0.5: ([2.5 / 4, 1.5 / 4], [[2.6 / 3.5, 2.0 / 3.5, 0.8 / 3.5], [1.4 / 2.5, 2.0 / 2.5, 1.2 / 2.5]]),
}
M_EXAMPLES = [(M_EXAMPLE_1, M_EXAMPLE_1_VALUES), (M_EXAMPLE_2, M_EXAMPLE_2_VALUES)]

# update_clusters, worked example 1. Cluster 0 = images 0, 2, 3 (size 3, pixels on 3, 1, 2
# times): mu_0 = (4/5, 2/5, 3/5); cluster 1 = images 1, 4 (size 2, on 0, 2, 0 times):
# mu_1 = (1/4, 3/4, 1/4). Image 0 = (1, 1, 0) has p = 4/5 * 2/5 * 2/5 = 16/125 = 0.128 under
# cluster 0 and 1/4 * 3/4 * 3/4 = 9/64 = 0.141 under cluster 1, so it moves to cluster 1,
# although K-means keeps it: its squared distances to the means (1, 1/3, 2/3) and (0, 1, 0)
# are 8/9 and 1. Images 1 and 4 (27/64 against 4/125) stay in 1, images 2 and 3 (36/125
# against 1/64) in 0.
UPDATE_EXAMPLE = (np.array([[1.0, 1, 0], [0, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0]]),
                  np.array([0, 1, 0, 0, 1]), 2, np.array([1, 1, 0, 0, 1]),
                  "the smoothed pixel probabilities are (4/5, 2/5, 3/5) and (1/4, 3/4, 1/4); "
                  "image 0 = (1, 1, 0) has p = 16/125 = 0.128 under cluster 0 and "
                  "9/64 = 0.141 under cluster 1")
# Worked example 2, an empty cluster: cluster 0 = images 0, 1, 3, 4 (size 4, on 2, 1, 3
# times): mu_0 = (1/2, 1/3, 2/3); cluster 1 = image 2 = (0, 1, 0): mu_1 = (1/3, 2/3, 1/3);
# cluster 2 is empty: mu_2 = (1/2, 1/2, 1/2), p = 1/8 for every image. Image 3 = (1, 0, 0)
# has p = 1/9 under cluster 0, 2/27 under cluster 1 and 1/8 under cluster 2: it goes to the
# empty cluster. Image 1 = (0, 1, 1): 1/9, 4/27, 1/8, so cluster 1.
UPDATE_EMPTY_EXAMPLE = (np.array([[0.0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1]]),
                        np.array([0, 0, 1, 0, 0]), 3, np.array([0, 1, 1, 2, 0]),
                        "cluster 2 is empty, so its pixel probabilities are (0 + 1) / (0 + 2) "
                        "= 1/2 and every image has p = 1/8 under it; image 3 = (1, 0, 0) has "
                        "p = 1/9 under cluster 0 and 2/27 under cluster 1")
UPDATE_EXAMPLES = [UPDATE_EXAMPLE, UPDATE_EMPTY_EXAMPLE]

ACCURACY_EXAMPLES = [
    # clusters 5: labels (0, 0, 1) -> 2 right; 1: (1, 1) -> 2; 0: (2,) -> 1; 5 of 6
    (np.array([0, 0, 1, 1, 1, 2]), np.array([5, 5, 5, 1, 1, 0]), 5 / 6),
    # cluster 1 mixes three digits and is named 1: 2 + 2 of 6 (naming each LABEL after its
    # majority cluster would count 2 + 2 + 1)
    (np.array([0, 0, 0, 1, 1, 2]), np.array([0, 0, 1, 1, 1, 1]), 4 / 6),
    # two clusters named 3 (a digit split in two): 2 + 2 + 1 of 6; a one-to-one matching gives 3/6
    (np.array([3, 3, 3, 3, 7, 7]), np.array([0, 0, 1, 1, 1, 2]), 5 / 6),
    # a perfect clustering with other cluster names
    (np.array([0, 1, 2, 0, 1, 2]), np.array([2, 0, 1, 2, 0, 1]), 1.0),
    # one cluster for everything: the majority label 2 is right 3 times in 5
    (np.array([1, 2, 2, 3, 2]), np.array([0, 0, 0, 0, 0]), 3 / 5),
]
