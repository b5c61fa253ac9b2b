"""CS224n assignment 2 written with tensors: sigmoid, naiveSoftmaxLossAndGradient (the softmax
of outsideVectors @ centerWordVec, loss -log y_hat[o], gradients by hand: (y_hat - y) @ U and
outer(y_hat - y, v_c)), negSamplingLossAndGradient with K sampled indices (repeated indices
accumulating with index_add_), skipgram over a window summing both, a word2vec_sgd_wrapper over
a batch of random windows, each gradient checked against autograd, and a gradcheck_naive that
perturbs every coordinate of a float64 tensor."""
import random

import torch

random.seed(31415)
torch.manual_seed(9265)
torch.set_default_dtype(torch.float64)


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset=None):
    scores = outsideVectors @ centerWordVec
    y_hat = torch.softmax(scores, dim=0)
    loss = -torch.log(y_hat[outsideWordIdx])
    delta = y_hat.clone()
    delta[outsideWordIdx] -= 1
    gradCenterVec = outsideVectors.T @ delta
    gradOutsideVecs = torch.outer(delta, centerWordVec)
    return loss, gradCenterVec, gradOutsideVecs


def getNegativeSamples(outsideWordIdx, K, n):
    negSampleWordIndices = [None] * K
    for k in range(K):
        newidx = random.randrange(n)
        while newidx == outsideWordIdx:
            newidx = random.randrange(n)
        negSampleWordIndices[k] = newidx
    return negSampleWordIndices


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset=None, K=6):
    negSampleWordIndices = getNegativeSamples(outsideWordIdx, K, outsideVectors.shape[0])
    indices = torch.tensor([outsideWordIdx] + negSampleWordIndices)
    u_o = outsideVectors[outsideWordIdx]
    u_k = outsideVectors[indices[1:]]
    s_o = sigmoid(u_o @ centerWordVec)
    s_k = sigmoid(-u_k @ centerWordVec)
    loss = -torch.log(s_o) - torch.log(s_k).sum()
    gradCenterVec = (s_o - 1) * u_o + ((1 - s_k)[:, None] * u_k).sum(0)
    gradOutsideVecs = torch.zeros_like(outsideVectors)
    gradOutsideVecs[outsideWordIdx] += (s_o - 1) * centerWordVec
    gradOutsideVecs.index_add_(0, indices[1:], (1 - s_k)[:, None] * centerWordVec[None, :])
    return loss, gradCenterVec, gradOutsideVecs, negSampleWordIndices


def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind, centerWordVectors,
             outsideVectors, lossFn):
    loss = 0.0
    gradCenterVecs = torch.zeros(centerWordVectors.shape)
    gradOutsideVectors = torch.zeros(outsideVectors.shape)
    c = word2Ind[currentCenterWord]
    for w in outsideWords:
        out = lossFn(centerWordVectors[c], word2Ind[w], outsideVectors)
        loss += out[0]
        gradCenterVecs[c] += out[1]
        gradOutsideVectors += out[2]
    return loss, gradCenterVecs, gradOutsideVectors


tokens = ["a", "b", "c", "d", "e"]
word2Ind = dict([(tkn, i) for i, tkn in enumerate(tokens)])
dummy_vectors = torch.nn.functional.normalize(torch.randn(10, 3), dim=1)
center, outside = dummy_vectors[:5], dummy_vectors[5:]


def getRandomContext(C):
    tokens_ = ["a", "b", "c", "d", "e"]
    return tokens_[random.randint(0, 4)], [tokens_[random.randint(0, 4)] for i in range(2 * C)]


print(sigmoid(torch.tensor([[1.0, 2.0], [-1.0, -2.0]])))
v = center[0].clone().requires_grad_(True)
U = outside.clone().requires_grad_(True)
loss, gv, gU = naiveSoftmaxLossAndGradient(center[0], 3, outside)
l2 = -torch.log_softmax(U @ v, dim=0)[3]
l2.backward()
print(f'naive softmax loss {loss.item():.6f}', torch.allclose(loss, l2),
      torch.allclose(gv, v.grad), torch.allclose(gU, U.grad))

state = random.getstate()
loss, gv, gU, negs = negSamplingLossAndGradient(center[1], 2, outside)
v = center[1].clone().requires_grad_(True)
U = outside.clone().requires_grad_(True)
idx = torch.tensor(negs)
l2 = -torch.nn.functional.logsigmoid(U[2] @ v) - torch.nn.functional.logsigmoid(-U[idx] @ v).sum()
l2.backward()
print(f'neg sampling loss {loss.item():.6f}', negs, torch.allclose(loss, l2),
      torch.allclose(gv, v.grad), torch.allclose(gU, U.grad))


def word2vec_sgd_wrapper(word2vecModel, word2Ind, wordVectors, windowSize, lossFn, batchsize=10):
    loss = 0.0
    grad = torch.zeros(wordVectors.shape)
    N = wordVectors.shape[0]
    centerWordVectors = wordVectors[:int(N / 2), :]
    outsideVectors = wordVectors[int(N / 2):, :]
    for i in range(batchsize):
        windowSize1 = random.randint(1, windowSize)
        centerWord, context = getRandomContext(windowSize1)
        c, gin, gout = word2vecModel(centerWord, windowSize1, context, word2Ind,
                                     centerWordVectors, outsideVectors, lossFn)
        loss += c / batchsize
        grad[:int(N / 2), :] += gin / batchsize
        grad[int(N / 2):, :] += gout / batchsize
    return loss, grad


def gradcheck_naive(f, x, gradientText):
    rndstate = random.getstate()
    random.setstate(rndstate)
    fx, grad = f(x)
    h = 1e-4
    worst = 0.0
    for ix in range(x.numel()):
        flat = x.view(-1)
        old = flat[ix].item()
        flat[ix] = old + h
        random.setstate(rndstate)
        fxh = f(x)[0]
        flat[ix] = old - h
        random.setstate(rndstate)
        fxnh = f(x)[0]
        flat[ix] = old
        numgrad = (fxh - fxnh) / 2 / h
        reldiff = abs(numgrad - grad.view(-1)[ix]) / max(1, abs(numgrad), abs(grad.view(-1)[ix]))
        worst = max(worst, reldiff.item())
    print(f'{gradientText}: gradient check passed' if worst < 1e-5 else 'gradient check FAILED')


def naive_only(centerWordVec, outsideWordIdx, outsideVectors):
    return naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors)


gradcheck_naive(lambda vec: word2vec_sgd_wrapper(skipgram, word2Ind, vec, 5, naive_only, batchsize=4),
                dummy_vectors.clone(), "naiveSoftmaxLossAndGradient Gradient")


def neg_only(centerWordVec, outsideWordIdx, outsideVectors):
    return negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors)[:3]


gradcheck_naive(lambda vec: word2vec_sgd_wrapper(skipgram, word2Ind, vec, 5, neg_only, batchsize=4),
                dummy_vectors.clone(), "negSamplingLossAndGradient Gradient")
random.seed(7)
loss, grad = word2vec_sgd_wrapper(skipgram, word2Ind, dummy_vectors.clone(), 3, naive_only)
print(f'Skip-Gram with naiveSoftmaxLossAndGradient loss {loss.item():.6f}')
print(grad[:5])
vectors = dummy_vectors.clone()
for it in range(40):
    loss, grad = word2vec_sgd_wrapper(skipgram, word2Ind, vectors, 3, neg_only)
    vectors -= 0.3 * grad
    if it % 10 == 9:
        print(f'iter {it + 1}: {loss.item():.5f}')
torch.set_default_dtype(torch.float32)
