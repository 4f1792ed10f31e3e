{
    'name': 'Job Queue',
    'version': '17.0.2.6.2',
    'depends': ['base', 'web'],
    'post_init_hook': 'post_init_hook',
    'installable': True,
}
