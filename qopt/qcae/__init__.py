"""QCAE: a convolutional autoencoder with a quantum latent layer, for image denoising.

Source: T. Kit, K. Pov, K. Kea, W.-D. Chang, H. C. Park, Y. Han, *Enhancing a
Convolutional Autoencoder with a Quantum Approximate Optimization Algorithm for
Image Noise Reduction*, arXiv:2401.06367.

Modules (torch and PennyLane are imported only by the modules that need them):

* :mod:`qopt.qcae.data`: digits / MNIST IDX images, fixed-seed split, noise;
* :mod:`qopt.qcae.metrics`: SSIM (two conventions) and PSNR;
* :mod:`qopt.qcae.circuit`: the quantum latent circuit, as a batched torch
  state-vector simulation and as a PennyLane QNode on any device config;
* :mod:`qopt.qcae.model`: encoder, quantum / classical latent layers, decoder;
* :mod:`qopt.qcae.train`: training, evaluation, checkpoints;
* :mod:`qopt.qcae.plots`: example grid and training curves (PNG).
"""

__all__ = ["data", "metrics", "circuit", "model", "train", "plots"]
