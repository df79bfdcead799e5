"""REINFORCE (Monte-Carlo policy gradient) on cart-pole, with the policy-gradient loss written by hand.

The environment is the classic cart-pole of Barto, Sutton & Anderson (1983), written here in NumPy from its
equations of motion (no gym): a pole hinged on a cart that moves on a 4.8 m track; each step the agent pushes the
cart left or right with 10 N; Euler integration with a 0.02 s step. An episode ends when the pole leans more than
12 degrees or the cart leaves the track; the reward is +1 per step survived.

Variant: **CartPole-v0's rules** — episodes are capped at 200 steps, and the task counts as *solved* when the mean
return over 100 consecutive episodes reaches 195. (CartPole-v1 caps at 500 and asks for 475; the 195-over-100
threshold is v0's, so v0's 200-step cap is the matching choice.) The 100 episodes are the agent's own training
episodes, with actions sampled from its stochastic policy — the usual, strict reading of "solved".

The agent is a small ``tapegrad.keras`` network (4 -> 32 tanh -> 2 logits). Each update:

1. runs a batch of episodes side by side (a vectorised environment; the policy acts on all of them at once,
   outside any tape);
2. computes discounted returns-to-go ``G_t`` and normalises them over the batch (mean 0, std 1) — a baseline
   that lowers the variance of the gradient estimate;
3. recomputes the log-probabilities of the actions taken inside a ``GradientTape`` and minimises the custom loss
   ``-mean_t(log pi(a_t | s_t) * A_t)`` (minus an optional small entropy bonus) with Adam.

Training stops after the first update at which the mean of the last 100 episodes is at least 195 (checked after
every update, so the count is never flattered by a window that ends mid-batch). The example prints the progress,
the number of episodes it took, the final 100-episode mean, a fresh 100-episode evaluation of the trained policy,
and saves a plot of the returns as PNG.

Run it (needs matplotlib for the plot; ``pip install -e ".[examples]"``)::

    python examples/reinforce_cartpole.py [--quick] [--out DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tapegrad as tf
from tapegrad import keras

MAX_STEPS = 200  # CartPole-v0's episode cap
SOLVED_MEAN = 195.0  # CartPole-v0's threshold, over 100 consecutive episodes
WINDOW = 100


@dataclass(frozen=True)
class CartPoleParams:
    gravity: float = 9.8  # m/s^2
    cart_mass: float = 1.0  # kg
    pole_mass: float = 0.1  # kg
    half_length: float = 0.5  # m, from the hinge to the pole's centre of mass
    force: float = 10.0  # N, applied left (action 0) or right (action 1)
    dt: float = 0.02  # s, one Euler step
    x_limit: float = 2.4  # m, the track ends at +-x_limit
    theta_limit: float = 12 * 2 * math.pi / 360  # rad


class CartPole:
    """``n`` independent cart-poles stepped together; state columns are (x, x_dot, theta, theta_dot)."""

    def __init__(self, n: int, rng: np.random.Generator, params: CartPoleParams | None = None) -> None:
        self.n = n
        self.rng = rng
        self.p = params or CartPoleParams()
        self.state = np.zeros((n, 4))

    def reset(self) -> np.ndarray:
        self.state = self.rng.uniform(-0.05, 0.05, size=(self.n, 4))
        return self.state.astype(np.float32)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Apply ``action`` (0 = push left, 1 = push right) to every cart; returns (new state, failed)."""
        p = self.p
        x, x_dot, theta, theta_dot = self.state.T
        force = np.where(action == 1, p.force, -p.force)
        total_mass = p.cart_mass + p.pole_mass
        sin, cos = np.sin(theta), np.cos(theta)
        # Equations of motion of a frictionless cart-pole (Barto, Sutton & Anderson 1983; Florian 2007, eqs. 23-24).
        common = (force + p.pole_mass * p.half_length * theta_dot**2 * sin) / total_mass
        theta_acc = (p.gravity * sin - cos * common) / (
            p.half_length * (4.0 / 3.0 - p.pole_mass * cos**2 / total_mass))
        x_acc = common - p.pole_mass * p.half_length * theta_acc * cos / total_mass
        # Explicit Euler: positions advance with the old velocities.
        self.state = np.stack([x + p.dt * x_dot, x_dot + p.dt * x_acc,
                               theta + p.dt * theta_dot, theta_dot + p.dt * theta_acc], axis=1)
        failed = (np.abs(self.state[:, 0]) > p.x_limit) | (np.abs(self.state[:, 2]) > p.theta_limit)
        return self.state.astype(np.float32), failed


@dataclass
class Batch:
    states: np.ndarray  # (steps, 4): every state an action was taken in, over all episodes of the batch
    actions: np.ndarray  # (steps,)
    returns_to_go: np.ndarray  # (steps,) discounted
    episode_returns: np.ndarray  # (episodes,) undiscounted = episode lengths


def build_policy(hidden: int) -> keras.Sequential:
    return keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(hidden, activation="tanh"),
        keras.layers.Dense(2),  # logits of (left, right)
    ])


def run_episodes(policy: keras.Model, env: CartPole, rng: np.random.Generator, gamma: float) -> Batch:
    """Play ``env.n`` episodes to the end with actions sampled from the policy."""
    n = env.n
    state = env.reset()
    alive = np.ones(n, dtype=bool)
    states, actions, alives = [], [], []
    for _ in range(MAX_STEPS):
        logits = policy(state).numpy().astype(np.float64)
        prob_right = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))  # softmax over two logits
        action = (rng.random(n) < prob_right).astype(np.int64)
        states.append(state)
        actions.append(action)
        alives.append(alive.copy())
        state, failed = env.step(action)
        alive &= ~failed  # the step that fails still earns its +1 (it was taken while alive)
        if not alive.any():
            break
    alive_mask = np.array(alives)  # (T, n): reward 1 where the episode was still running
    rewards = alive_mask.astype(np.float64)
    returns = np.zeros_like(rewards)
    running = np.zeros(n)
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        returns[t] = running
    # Flatten to the steps actually taken (time-major order; the update does not care about order).
    return Batch(states=np.array(states)[alive_mask], actions=np.array(actions)[alive_mask],
                 returns_to_go=returns[alive_mask].astype(np.float32),
                 episode_returns=rewards.sum(axis=0))


def policy_gradient_loss(logits: tf.Tensor, actions: np.ndarray, advantages: np.ndarray,
                         entropy_weight: float) -> tf.Tensor:
    """REINFORCE's surrogate: its gradient is minus the policy-gradient estimate ``mean(A grad log pi(a|s))``."""
    log_probs = tf.nn.log_softmax(logits)  # (steps, 2)
    taken = tf.reduce_sum(log_probs * tf.one_hot(actions, 2), axis=1)  # log pi(a_t | s_t)
    entropy = -tf.reduce_sum(tf.exp(log_probs) * log_probs, axis=1)
    return -tf.reduce_mean(taken * advantages) - entropy_weight * tf.reduce_mean(entropy)


def running_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values (fewer at the start)."""
    sums = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(idx - window, 0)
    return (sums[idx] - sums[lo]) / (idx - lo)


def save_plot(returns: np.ndarray, solved_at: int | None, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'tapegrad[examples]')")
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    episodes = np.arange(1, len(returns) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(episodes, returns, color="tab:blue", alpha=0.35, linewidth=0.8, label="episode return")
    ax.plot(episodes, running_mean(returns, WINDOW), color="tab:blue", label=f"mean of last {WINDOW}")
    ax.axhline(SOLVED_MEAN, color="tab:red", linestyle="--", label=f"solved ({SOLVED_MEAN:g})")
    if solved_at is not None:
        ax.axvline(solved_at, color="gray", linestyle=":", label=f"solved after {solved_at} episodes")
    ax.set_xlabel("episode")
    ax.set_ylabel("return (steps balanced, max 200)")
    ax.set_title("REINFORCE on cart-pole (v0 rules) with tapegrad")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 updates of 4 episodes (checks the code path for CI; does not solve the task)")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="directory for the figure")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes-per-update", type=int, default=10)
    parser.add_argument("--max-episodes", type=int, default=3000, help="give up after this many episodes")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    parser.add_argument("--gamma", type=float, default=0.99, help="discount factor")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units of the policy")
    parser.add_argument("--entropy", type=float, default=0.0, help="weight of the entropy bonus")
    args = parser.parse_args(argv)
    per_update = 4 if args.quick else args.episodes_per_update
    max_episodes = 3 * per_update if args.quick else args.max_episodes

    start = time.perf_counter()
    keras.utils.set_random_seed(args.seed)  # the policy's initial weights
    rng = np.random.default_rng(args.seed)  # initial states and sampled actions
    env = CartPole(per_update, rng)
    policy = build_policy(args.hidden)
    optimizer = keras.optimizers.Adam(learning_rate=args.lr)
    print(f"cart-pole, v0 rules (cap {MAX_STEPS} steps, solved at a {WINDOW}-episode mean >= {SOLVED_MEAN:g}); "
          f"policy 4-{args.hidden}-2 ({policy.count_params()} parameters), {per_update} episodes per update")

    history: list[float] = []
    solved_at: int | None = None
    update = 0
    while len(history) < max_episodes:
        batch = run_episodes(policy, env, rng, args.gamma)
        history.extend(batch.episode_returns.tolist())
        g = batch.returns_to_go
        advantages = (g - g.mean()) / (g.std() + 1e-8)
        with tf.GradientTape() as tape:
            logits = policy(batch.states, training=True)
            loss = policy_gradient_loss(logits, batch.actions, advantages, args.entropy)
        grads = tape.gradient(loss, policy.trainable_variables)
        optimizer.apply_gradients(zip(grads, policy.trainable_variables))
        update += 1
        mean100 = float(np.mean(history[-WINDOW:]))
        if update % 10 == 0 or args.quick:
            print(f"update {update:4d}  episodes {len(history):5d}  batch mean {batch.episode_returns.mean():6.1f}  "
                  f"last-{WINDOW} mean {mean100:6.1f}  ({time.perf_counter() - start:5.1f} s)")
        if len(history) >= WINDOW and mean100 >= SOLVED_MEAN:
            # Checked after each update, so the 100 episodes counted always end with the latest policy's batch.
            solved_at = len(history)
            break
    train_seconds = time.perf_counter() - start
    returns = np.array(history)
    final_mean = float(np.mean(returns[-WINDOW:]))

    if solved_at is not None:
        print(f"solved: the mean of the last {WINDOW} episodes reached {SOLVED_MEAN:g} after episode {solved_at} "
              f"({update} updates, {train_seconds:.1f} s)")
    elif not args.quick:
        print(f"not solved within {len(history)} episodes")
    # A fresh check of the trained policy: 100 new episodes, actions still sampled from it.
    evaluation = np.concatenate([run_episodes(policy, CartPole(WINDOW // 4, rng), rng, args.gamma).episode_returns
                                 for _ in range(4)])
    print(f"evaluation of the trained policy: mean return {evaluation.mean():.1f} over {evaluation.size} "
          f"new episodes ({np.mean(evaluation == MAX_STEPS):.0%} reach the {MAX_STEPS}-step cap)")

    path = args.out / "reinforce_cartpole.png"
    if save_plot(returns, solved_at, path):
        print(f"figure: {path}")
    status = f"solved after {solved_at} episodes ({update} updates)" if solved_at is not None else (
        f"not solved after {len(history)} episodes")
    print(f"result: {status}; final {WINDOW}-episode mean {final_mean:.1f}; evaluation mean {evaluation.mean():.1f}; "
          f"{train_seconds:.1f} s")
    return 0 if solved_at is not None or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
