import { expect } from 'chai';
import { findArxivIds } from '../src/enrichment/arxiv-ids.js';
import { findGithubRepos } from '../src/enrichment/code-urls.js';
import { findDatasets } from '../src/enrichment/datasets.js';
import { findHuggingFaceIds } from '../src/enrichment/hugging-face-ids.js';

describe('enrichment: rule-based identifiers', () => {
  describe('GitHub repos', () => {
    it('normalises every spelling of a repo link to https://github.com/owner/repo', () => {
      const text =
        'Code: https://github.com/JingyunLiang/SwinIR. Also see github.com/openai/CLIP/tree/main/clip, ' +
        'http://www.github.com/facebookresearch/dinov2.git and \\url{https://github.com/huggingface/transformers}.';
      expect(findGithubRepos(text)).to.deep.equal([
        'https://github.com/JingyunLiang/SwinIR',
        'https://github.com/openai/CLIP',
        'https://github.com/facebookresearch/dinov2',
        'https://github.com/huggingface/transformers',
      ]);
    });

    it('reports a repo once however often and in whatever case it is mentioned', () => {
      expect(findGithubRepos('See https://github.com/a-b/Repo and https://github.com/A-B/repo/issues.')).to.deep.equal(['https://github.com/a-b/Repo']);
    });

    it('leaves out gists, GitHub pages and GitHub\'s own pages', () => {
      const text = 'https://gist.github.com/someone/abc123 https://someone.github.io/project https://github.com/features/copilot https://github.com/orgs/acme';
      expect(findGithubRepos(text)).to.deep.equal([]);
    });
  });

  describe('Hugging Face ids', () => {
    it('finds models, datasets and spaces on huggingface.co and hf.co as owner/name', () => {
      const text =
        'Weights at https://huggingface.co/meta-llama/Llama-2-7b-hf/tree/main, data at huggingface.co/datasets/openai/gsm8k, ' +
        'a demo at https://huggingface.co/spaces/gradio/hello_world and a mirror at hf.co/mistralai/Mistral-7B-v0.1.';
      expect(findHuggingFaceIds(text)).to.deep.equal(['meta-llama/Llama-2-7b-hf', 'openai/gsm8k', 'gradio/hello_world', 'mistralai/Mistral-7B-v0.1']);
    });

    it('leaves out site pages and legacy single-name repos', () => {
      const text = 'https://huggingface.co/papers/2307.09288 https://huggingface.co/docs/transformers https://huggingface.co/gpt2/tree/main huggingface.co/datasets/squad';
      expect(findHuggingFaceIds(text)).to.deep.equal([]);
    });

    it('does not take a bare owner/name in prose for an id', () => {
      expect(findHuggingFaceIds('an encoder and/or decoder, see meta-llama/Llama-2-7b-hf')).to.deep.equal([]);
    });
  });

  describe('arXiv ids', () => {
    it('finds new-style ids in every spelling, without version', () => {
      const text = 'Building on arXiv:1607.00533 and 2101.00001v2 (see https://arxiv.org/abs/1706.03762v5), and the DOI 10.48550/arXiv.2106.09685.';
      expect(findArxivIds(text)).to.deep.equal(['1607.00533', '2101.00001', '1706.03762', '2106.09685']);
    });

    it('finds old-style ids, with or without subject class', () => {
      expect(findArxivIds('As in hep-th/9901001v1, math.AG/0202001 and cond-mat.stat-mech/0501001.')).to.deep.equal([
        'hep-th/9901001',
        'math/0202001',
        'cond-mat/0501001',
      ]);
    });

    it('does not read DOI tails, impossible months or wrong digit counts as ids', () => {
      const text = 'doi 10.1109/ICSTW55395.2022.00035, TIT.2011.2148691, ratio 2012.3205, year 2023.00078, 0612.1234 and 1412.12345.';
      expect(findArxivIds(text)).to.deep.equal([]);
    });

    it('leaves the paper\'s own id out', () => {
      expect(findArxivIds('arXiv:2401.01234v1 [cs.LG] cites 2312.00001', { exclude: ['2401.01234'] })).to.deep.equal(['2312.00001']);
    });
  });

  describe('datasets', () => {
    it('finds listed datasets in the spellings papers use, as canonical names in order of mention', () => {
      const text = 'We pre-train on the Pile and C4, fine-tune on MS-COCO and ImageNet-1k, and evaluate on gsm8k, Human-Eval, MS MARCO and WikiText103.';
      expect(findDatasets(text)).to.deep.equal(['The Pile', 'C4', 'COCO', 'ImageNet', 'GSM8K', 'HumanEval', 'MS MARCO', 'WikiText-103']);
    });

    it('tells CIFAR-10 from CIFAR-100 and reads CIFAR-10/100 as both', () => {
      expect(findDatasets('Results on CIFAR-100.')).to.deep.equal(['CIFAR-100']);
      expect(findDatasets('Results on CIFAR10.')).to.deep.equal(['CIFAR-10']);
      expect(findDatasets('Results on CIFAR-10/100.')).to.deep.equal(['CIFAR-10', 'CIFAR-100']);
    });

    it('respects word boundaries: SuperGLUE is not GLUE, Fashion-MNIST is not MNIST', () => {
      expect(findDatasets('SuperGLUE and Fashion-MNIST')).to.deep.equal(['SuperGLUE', 'Fashion-MNIST']);
      expect(findDatasets('IMAGENETTE and MNISTs')).to.deep.equal([]);
    });

    it('prefers the longest overlapping name', () => {
      expect(findDatasets('BIG-Bench Hard, ImageNet-21k and ARC-AGI')).to.deep.equal(['BIG-Bench Hard', 'ImageNet-21k', 'ARC-AGI']);
    });

    it('does not take English words for datasets whose names are words', () => {
      expect(findDatasets('We glue the pieces into an arc, a natural questions pile of the stack of common sense.')).to.deep.equal([]);
      expect(findDatasets('C4-equivariant convolutions')).to.deep.equal([]);
    });
  });
});
